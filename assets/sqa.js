/* SQA Dashboard client-side helpers, served from the app itself (no inline script). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  sqa: {
    /* Keep the filters in the address bar so a view can be bookmarked or shared.
       replaceState changes the URL without reloading or re-rendering the page. */
    syncUrl: function () {
      var args = Array.prototype.slice.call(arguments);
      var names = args.pop();
      var params = new URLSearchParams();
      names.forEach(function (name, i) {
        var v = args[i];
        if (Array.isArray(v)) { v = v.join(","); }  /* a switch: ["late"] or [] */
        if (v !== null && v !== undefined && v !== "" && v !== "__all__") { params.set(name, v); }
      });
      var qs = params.toString();
      var url = window.location.pathname + (qs ? "?" + qs : "") + window.location.hash;
      window.history.replaceState(window.history.state, "", url);
      return qs;
    },
    /* The folded menu opens and closes with its button. */
    toggleMenu: function (clicks, open) { return clicks ? !open : open; },
    /* A click on a chart's point opens the records behind it: the point's last custom
       value is their address (points without one do nothing). */
    followPoint: function (click) {
      var pts = (click && click.points) || [];
      var data = pts.length ? pts[0].customdata : null;
      var href = Array.isArray(data) ? data[data.length - 1] : null;
      if (typeof href === "string" && href.indexOf("/records?") === 0) { return href; }
      return window.dash_clientside.no_update;
    },
    /* Download a chart as SVG with the file name its PNG export uses. */
    downloadSvg: function (clicks, titles) {
      var trig = window.dash_clientside.callback_context.triggered_id;
      if (trig && trig.graph) {
        var holder = document.getElementById(trig.graph);
        var gd = holder && (holder.classList.contains("js-plotly-plot") ? holder :
                            holder.querySelector(".js-plotly-plot"));
        if (gd && window.Plotly) {
          var opts = (gd._context && gd._context.toImageButtonOptions) || {};
          window.Plotly.downloadImage(gd, {format: "svg", width: opts.width || 1100,
            height: opts.height || 500, filename: opts.filename || "chart"});
        }
      }
      return titles;
    }
  }
});


/* Dash's date picker puts popup ARIA attributes on a plain <div> (which axe rightly
   flags) and names its text box "Select Date" whatever the label says. Until Dash fixes
   it: drop the attributes from the wrapper and name the box after its own label. */
(function () {
  function fixDatePickers() {
    document.querySelectorAll(".dash-datepicker-input-wrapper").forEach(function (w) {
      ["aria-haspopup", "aria-expanded", "aria-disabled", "aria-labelledby", "type"].forEach(
        function (a) { if (w.hasAttribute(a)) { w.removeAttribute(a); } });
      var input = w.querySelector("input");
      var label = input && document.querySelector('label[for="' + input.id + '"]');
      var name = label ? label.textContent + " (day month year)" : null;
      if (name && input.getAttribute("aria-label") !== name) { input.setAttribute("aria-label", name); }
    });
  }
  new MutationObserver(fixDatePickers).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ["aria-expanded", "aria-haspopup", "aria-label"]
  });
})();

/* On a narrow screen (a phone) a chart's title and subtitle wrap to its width, below the
   toolbar, so neither is cut off nor covered. The breaks this adds carry a zero-width
   space, so the chart's own title is always recoverable. */
(function () {
  var MARK = "<br>\u200b";
  function wrap(text, width) {
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      var plain = (line + " " + word).replace(/<[^>]+>/g, "");
      if (line && plain.length > width) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
  function fit(gd) {
    if (!window.Plotly || !gd.layout || !gd.layout.title || !gd._fullLayout) { return; }
    var raw = gd.layout.title.text || "";
    var own = raw.split(MARK).join(" ");
    var narrow = gd.clientWidth && gd.clientWidth < 700;
    var parts = own.split("<br>");
    var main = parts[0], sub = parts.slice(1).join(" ");
    var text = own, top = null;
    if (narrow) {
      var chars = Math.max(20, Math.floor((gd.clientWidth - 30) / 9.5));
      var m = wrap(main, chars), s = sub ? wrap(sub.replace(/<\/?sup>/g, ""), Math.floor(chars * 1.45)) : [];
      text = m.join(MARK) + (s.length ? "<br><sup>" + s.join(MARK.replace("<br>", "</sup><br><sup>")) + "</sup>" : "");
      top = 40 + 20 * m.length + 15 * s.length;
    }
    if (text === raw) { return; }
    var update = {"title.text": text};
    if (top !== null) {
      update["margin.t"] = top;
      update["title.y"] = 1 - 34 / (gd._fullLayout.height || 420);
      update["title.yanchor"] = "top";
      update["title.yref"] = "container";
    }
    window.Plotly.relayout(gd, update);
  }
  var pending = null;
  function fitAll() {
    if (pending) { return; }
    pending = window.setTimeout(function () {
      pending = null;
      document.querySelectorAll(".js-plotly-plot").forEach(fit);
    }, 150);
  }
  window.addEventListener("resize", fitAll);
  new MutationObserver(fitAll).observe(document.documentElement, {subtree: true, childList: true});
})();
