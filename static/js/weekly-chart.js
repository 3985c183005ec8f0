// Posts per week with the 3–4 norm band; the last (unfinished) week is drawn hatched-light.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const colors = { vk: "#0a3d7a", ok: "#b85c00", max: "#5b3cc4" };
  Object.keys(data.series).forEach(function (network) {
    const canvas = document.getElementById("chart-" + network);
    if (!canvas) return;
    const values = data.series[network];
    const barColors = values.map(function (_, i) { return i === data.current_index ? "rgba(108,117,125,0.45)" : colors[network]; });
    new Chart(canvas, {
      data: {
        labels: data.labels.map(function (label, i) { return i === data.current_index ? label + " (" + data.texts.current + ")" : label; }),
        datasets: [
          { type: "bar", label: data.texts.posts, data: values, backgroundColor: barColors, order: 2 },
          { type: "line", label: data.texts.norm_min, data: values.map(function () { return data.norm_min; }),
            borderColor: "rgba(25,135,84,0.9)", borderWidth: 1, pointRadius: 0, fill: false, order: 1 },
          { type: "line", label: data.texts.norm_target, data: values.map(function () { return data.norm_target; }),
            borderColor: "rgba(25,135,84,0.9)", borderWidth: 1, pointRadius: 0,
            backgroundColor: "rgba(25,135,84,0.15)", fill: "-1", order: 1 }
        ]
      },
      options: {
        animation: false,
        scales: { y: { beginAtZero: true, suggestedMax: data.norm_target + 2, ticks: { precision: 0 } } },
        plugins: { legend: { display: false } }
      }
    });
  });
})();
