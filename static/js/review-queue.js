// The review queue by keyboard: J / K move to the next / previous document, A approves it,
// R puts the cursor in its «Что исправить» field. Keys typed into a field stay text.
(function () {
  // A file poppler could not draw answers 404: say so instead of a broken image.
  document.querySelectorAll(".queue-preview img").forEach(function (image) {
    function failed() {
      const note = document.createElement("p");
      note.className = "queue-no-preview small text-muted mb-0";
      note.textContent = image.closest(".queue-preview").dataset.failed;
      image.closest("a").replaceWith(note);
    }
    if (image.complete && image.naturalWidth === 0) failed();  // broke before this script ran
    else image.addEventListener("error", failed);
  });

  const docs = Array.from(document.querySelectorAll("[data-queue-doc]"));
  if (!docs.length) return;
  let current = -1;

  function select(index, focus) {
    if (index < 0 || index >= docs.length) return;
    if (current >= 0) docs[current].classList.remove("queue-current");
    current = index;
    const doc = docs[current];
    doc.classList.add("queue-current");
    if (focus) { doc.focus({preventScroll: true}); doc.scrollIntoView({block: "start", behavior: "smooth"}); }
  }

  // After a decision the server sends us back at the next document (#entry-<id>).
  const landed = docs.indexOf(document.getElementById(window.location.hash.slice(1)));
  select(Math.max(landed, 0), landed >= 0);
  docs.forEach(function (doc, index) { doc.addEventListener("focusin", function () { select(index, false); }); });

  function typing(element) {
    return element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const doc = docs[current];
    switch (event.key.toLowerCase()) {
      case "j": case "о": select(current + 1, true); break;
      case "k": case "л": select(current - 1, true); break;
      case "a": case "ф": doc.querySelector("[data-approve]").requestSubmit(); break;
      case "r": case "к": doc.querySelector("[data-return] textarea").focus(); break;
      default: return;
    }
    event.preventDefault();
  });
})();
