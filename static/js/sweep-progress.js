// The sweep page follows a running sweep: it polls the run's JSON every second, moves the bar
// and the time left as pages are stored, and reloads when the run ends to show what changed.
(function () {
  const box = document.getElementById("sweep-progress");
  if (!box || box.dataset.finished === "1") return;
  const done = box.querySelector("[data-done]"), bar = box.querySelector(".progress-bar");
  const wrap = box.querySelector(".progress"), faults = box.querySelector("[data-faults]"), state = box.querySelector("[data-state]");
  const left = box.querySelector("[data-left]"), leftBox = box.querySelector("[data-left-box]");
  const row = document.querySelector("[data-row-done]");  // this run's line in «Последние проверки»
  const timer = setInterval(async function () {
    const response = await fetch(box.dataset.url, {headers: {"Accept": "application/json"}});
    if (!response.ok) return;
    const run = await response.json();
    done.textContent = run.pages_done; faults.textContent = run.faults;
    wrap.setAttribute("aria-valuenow", run.pages_done);
    bar.style.width = (100 * run.pages_done / Math.max(run.pages_total, 1)) + "%";
    left.textContent = run.time_left; leftBox.hidden = !run.time_left;
    if (row) row.textContent = run.pages_done + "/" + run.pages_total;
    if (run.finished) { clearInterval(timer); state.textContent = box.dataset.finishedText; window.location.reload(); }
  }, 1000);
})();
