// syncd 运维控制台：总览页自动刷新（只替换计数部分；失败时保留旧数据并标出）
(function () {
  var box = document.getElementById("live");
  if (!box) { return; }
  var every = parseInt(box.getAttribute("data-refresh-s"), 10) * 1000;
  function refresh() {
    fetch(box.getAttribute("data-src"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { box.innerHTML = html; box.removeAttribute("data-stale"); })
      .catch(function () { box.setAttribute("data-stale", "1"); });
  }
  setInterval(refresh, every);
})();
