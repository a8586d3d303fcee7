// The selector tester without a reload: the form is posted with fetch and
// the result part of the page it returns replaces the current one. Without
// JavaScript the form posts as usual; the page is the same.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("tester-form");
  var result = document.getElementById("tester-result");
  if (!form || !result || !window.fetch || !window.DOMParser) {
    return;
  }
  form.addEventListener("submit", function (ev) {
    var button = ev.submitter;
    if (button && button.getAttribute("formaction")) {
      return; // "save as source" goes to the add form
    }
    ev.preventDefault();
    result.setAttribute("aria-busy", "true");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (resp) { return resp.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("tester-result");
        if (fresh) {
          result.replaceWith(document.importNode(fresh, true));
          result = document.getElementById("tester-result");
        } else {
          form.submit();
        }
      })
      .catch(function () { form.submit(); })
      .finally(function () { result.removeAttribute("aria-busy"); });
  });
});
