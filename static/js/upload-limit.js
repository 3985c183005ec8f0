// A file over the upload limit is refused in the phone before it is sent: no megabytes spent
// on mobile data for a refusal, and the number, date and comment stay as typed. The limit and
// the sentence come from the form (data-max-bytes, data-too-big); the server checks again.
document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
  input.addEventListener("change", function () {
    var file = input.files[0];
    input.setCustomValidity(file && file.size > Number(input.dataset.maxBytes) ? input.dataset.tooBig : "");
    input.reportValidity();
  });
});
