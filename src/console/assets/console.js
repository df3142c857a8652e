// mHero console: optional comforts only; every page works without this file.
// Forms with data-confirm="question" ask before they submit.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// Compose page (#compose-form): the reach and cost preview follows the form as it changes. The
// page works without this: its Preview button asks the server for the same fragment.
(function () {
  var form = document.getElementById("compose-form");
  var box = document.getElementById("compose-preview");
  if (!form || !box || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var timer = null, asked = 0;
  function refresh() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf" && typeof value === "string") params.append(name, value);
    });
    var ticket = ++asked;
    fetch(form.getAttribute("data-preview") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (ticket !== asked) return;
        if (html !== null) {
          box.innerHTML = html;
          box.setAttribute("data-fresh", String(ticket));
        }
        box.removeAttribute("aria-busy");
      })
      .catch(function () { box.removeAttribute("aria-busy"); /* The Preview button still works. */ });
  }
  function later() {
    box.setAttribute("aria-busy", "true");
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
