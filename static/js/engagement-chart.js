// The rating page: how many organizations fall in each engagement range (their best page).
(function () {
  const data = JSON.parse(document.getElementById("engagement-chart-data").textContent);
  new Chart(document.getElementById("engagement-chart"), {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: data.texts.organizations, data: data.counts, backgroundColor: "#0a3d7a" }]
    },
    options: {
      animation: false,
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.texts.organizations } },
        x: { title: { display: true, text: data.texts.axis } }
      },
      plugins: { legend: { display: false } }
    }
  });
})();
