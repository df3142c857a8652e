// mHero console: optional comforts only; every page works without this file.
// Forms with data-confirm="question" ask before they submit.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
