// Valence dashboard: the only script. The pages work without it; it adds
// confirmation of destructive changes and the refresh of polled parts
// (elements with data-refresh="<fragment url>" and data-interval seconds),
// which stops once a part holds an element marked data-final.
(function () {
  "use strict";

  // Destructive buttons carry data-confirm: ask, and send only on yes.
  document.addEventListener("submit", function (e) {
    var b = e.submitter;
    var q = (b && b.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (q && !window.confirm(q)) {
      e.preventDefault();
    }
  });

  // busy: the user is in the part (focus) or has typed into one of its
  // fields; swapping it now would lose that.
  function busy(el) {
    if (el.contains(document.activeElement) && document.activeElement !== document.body) {
      return true;
    }
    var fields = el.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) return true;
        }
      } else if (f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function poll(el) {
    var seconds = parseInt(el.getAttribute("data-interval") || "5", 10);
    if (!(seconds >= 1 && seconds <= 3600)) seconds = 5;
    var timer = window.setInterval(function () {
      if (document.hidden || busy(el)) return;
      fetch(el.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (res) {
          if (res.redirected) {
            // The session ended: the whole page shows the sign-in.
            window.location.reload();
            return null;
          }
          return res.ok ? res.text() : null;
        })
        .then(function (html) {
          if (html === null || busy(el)) return;
          el.innerHTML = html;
          if (el.querySelector("[data-final]")) window.clearInterval(timer);
        })
        .catch(function () { /* the next round tries again */ });
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var parts = document.querySelectorAll("[data-refresh]");
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i].querySelector("[data-final]")) poll(parts[i]);
    }
  });
})();
