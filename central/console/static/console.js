// The console's few lines of script: CSRF for htmx requests, and ECharts charts that are
// created from data-chart JSON and disposed before htmx swaps them out (apache/echarts#6615).
(function () {
  "use strict";
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRF-Token"] = csrf();
  });

  function initCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (window.echarts.getInstanceByDom(el)) return;
      var option = JSON.parse(el.getAttribute("data-chart"));
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: document.documentElement.lang === "en" ? "EN" : "ZH" });
      option.textStyle = option.textStyle || {};
      option.textStyle.fontFamily = getComputedStyle(document.body).fontFamily;
      chart.setOption(option);
    });
  }
  function disposeCharts(root) {
    if (!window.echarts) return;
    var els = Array.prototype.slice.call(root.querySelectorAll("[data-chart]"));
    if (root.matches && root.matches("[data-chart]")) els.push(root);
    els.forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.dispose();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initCharts(document); });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (target) disposeCharts(target);
  });
  document.addEventListener("htmx:afterSettle", function (evt) { initCharts(evt.detail.elt || document); });
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
  // parts of a form shown only for one choice of a select: data-show-kind="gift threshold"
  function showKinds(root) {
    var select = root.querySelector("select#kind");
    if (!select) return;
    root.querySelectorAll("[data-show-kind]").forEach(function (el) {
      var kinds = el.getAttribute("data-show-kind").split(" ");
      el.style.display = kinds.indexOf(select.value) >= 0 ? "" : "none";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showKinds(document); });
  document.addEventListener("change", function (evt) {
    if (evt.target && evt.target.id === "kind") showKinds(document);
  });

  // confirm before a dangerous button (revoke, resolve): data-confirm="text"
  document.addEventListener("submit", function (evt) {
    var button = evt.submitter;
    var text = (button && button.getAttribute("data-confirm")) || evt.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) evt.preventDefault();
  });
})();
