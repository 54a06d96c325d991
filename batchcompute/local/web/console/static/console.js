// The batchcompute local console: live refresh, log following, confirmations. No library.
(function () {
  "use strict";

  function stale() {
    var notice = document.getElementById("stale");
    if (notice) { notice.hidden = false; }
  }

  // A region with data-active="1" is fetched again every data-interval ms while what it shows runs.
  function refresh(live) {
    var interval = parseInt(live.dataset.interval || "2000", 10);
    function tick() {
      if (live.dataset.active !== "1") { return; }
      if (document.hidden) { setTimeout(tick, interval); return; }
      fetch(location.href, { credentials: "same-origin" })
        .then(function (answer) {
          if (!answer.ok || answer.redirected) { throw new Error("refresh refused"); }
          return answer.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(live.id);
          if (!fresh) { throw new Error("no live region"); }
          var graph = live.querySelector(".graph"), fit = graph && graph.classList.contains("fit");
          live.innerHTML = fresh.innerHTML;
          live.dataset.active = fresh.dataset.active;
          if (fit) { fitGraph(live.querySelector(".graph"), true); }
          setTimeout(tick, interval);
        })
        .catch(stale);
    }
    setTimeout(tick, interval);
  }

  function fitGraph(graph, on) {
    if (graph) { graph.classList.toggle("fit", on); }
  }

  function showState(holder, name) {
    var badge = document.createElement("span");
    badge.className = "badge s-" + name.toLowerCase();
    badge.textContent = name;
    holder.replaceChildren(badge);
  }

  // The log viewer asks for what was written after the bytes it shows, until the instance has ended.
  function follow(pre) {
    var offset = parseInt(pre.dataset.end, 10);
    var status = document.getElementById("log-status");
    var state = document.getElementById("log-state");
    function poll() {
      fetch(pre.dataset.src + "?offset=" + offset, { credentials: "same-origin" })
        .then(function (answer) {
          if (!answer.ok) { throw new Error("log refused"); }
          return answer.json();
        })
        .then(function (piece) {
          var bottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 24;
          if (piece.start !== offset) { pre.textContent = ""; }  // written anew (a retry)
          if (piece.text) { pre.appendChild(document.createTextNode(piece.text)); }
          if (bottom) { pre.scrollTop = pre.scrollHeight; }
          offset = piece.end;
          if (state) { showState(state, piece.state); }
          if (piece.done) { status.textContent = "End of output."; return; }
          status.textContent = piece.exists ? "Following\u2026" : "No output yet.";
          setTimeout(poll, piece.end < piece.size ? 0 : 1000);
        })
        .catch(stale);
    }
    pre.scrollTop = pre.scrollHeight;
    if (pre.dataset.done !== "1") { setTimeout(poll, 1000); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("live");
    if (live) { refresh(live); }
    var log = document.getElementById("log");
    if (log && log.dataset.src) { follow(log); }
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });

  // Delegated: these elements are replaced by each refresh.
  document.addEventListener("submit", function (event) {
    var message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fit]");
    if (button) { fitGraph(document.getElementById(button.dataset.fit)); }
  });
})();
