// The sweep page follows a running sweep: it polls the run's JSON every 1.5 s and reloads when it ends.
(function () {
  const box = document.getElementById("sweep-progress");
  if (!box || box.dataset.finished === "1") return;
  const done = box.querySelector("[data-done]"), bar = box.querySelector(".progress-bar");
  const wrap = box.querySelector(".progress"), faults = box.querySelector("[data-faults]"), state = box.querySelector("[data-state]");
  const timer = setInterval(async function () {
    const response = await fetch(box.dataset.url, {headers: {"Accept": "application/json"}});
    if (!response.ok) return;
    const run = await response.json();
    done.textContent = run.pages_done; faults.textContent = run.faults;
    wrap.setAttribute("aria-valuenow", run.pages_done);
    bar.style.width = (100 * run.pages_done / Math.max(run.pages_total, 1)) + "%";
    if (run.finished) { clearInterval(timer); state.textContent = box.dataset.finishedText; window.location.reload(); }
  }, 1500);
})();
