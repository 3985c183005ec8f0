// Subscribers (left axis) and views per post (right axis) at each day's sweep, per network.
(function () {
  const data = JSON.parse(document.getElementById("audience-chart-data").textContent);
  const colors = { vk: "#0a3d7a", ok: "#b85c00", max: "#5b3cc4" };
  Object.keys(data.series).forEach(function (network) {
    const canvas = document.getElementById("audience-chart-" + network);
    if (!canvas) return;
    const series = data.series[network];
    new Chart(canvas, {
      type: "line",
      data: {
        labels: series.labels,
        datasets: [
          { label: data.texts.subscribers, data: series.subscribers, borderColor: colors[network],
            backgroundColor: colors[network], yAxisID: "y", pointRadius: 2, spanGaps: true },
          { label: data.texts.views, data: series.views, borderColor: "rgba(25,135,84,0.9)", borderDash: [4, 3],
            backgroundColor: "rgba(25,135,84,0.9)", yAxisID: "views", pointRadius: 2, spanGaps: true }
        ]
      },
      options: {
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: false, ticks: { precision: 0 }, title: { display: true, text: data.texts.subscribers } },
          views: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                   title: { display: true, text: data.texts.views } }
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
      }
    });
  });
})();
