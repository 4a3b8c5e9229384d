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

/* Run fn once the page has stopped changing for ms (Dash draws pages and charts after
   load): one debounced watch on the document; returns the debounced fn. */
window.sqaAfterDraw = function (fn, ms) {
  var pending = null;
  function later() {
    if (pending) { return; }
    pending = window.setTimeout(function () { pending = null; fn(); }, ms);
  }
  new MutationObserver(later).observe(document.documentElement, {subtree: true, childList: true});
  return later;
};

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
  var fitAll = window.sqaAfterDraw(function () {
    document.querySelectorAll(".js-plotly-plot").forEach(fit);
  }, 150);
  window.addEventListener("resize", fitAll);
})();

/* Every chart has an accessible name (its title) and, under it, its figures as a table:
   the drawn chart's own data, so the two can never disagree. */
(function () {
  function plain(html) { var d = document.createElement("div"); d.innerHTML = (html || "").replace(/<br>/g, " "); return d.textContent.replace(/\u200b/g, "").replace(/\s+/g, " ").trim(); }
  function fmt(v, suffix) {
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) { return "–"; }
    if (typeof v === "number") { return (Math.round(v * 10) / 10).toLocaleString("en-GB") + (suffix || ""); }
    return String(v);
  }
  function esc(t) { var d = document.createElement("div"); d.textContent = t; return d.innerHTML; }
  function table(gd) {
    var traces = (gd.data || []).filter(function (t) { return t.name || t.text; });
    if (!traces.length) { return ""; }
    var fl = gd._fullLayout || {};
    var first = traces[0];
    var horizontal = first.orientation === "h" ||
      (first.x && first.y && typeof first.x[0] === "number" && typeof first.y[0] === "string");
    var suffix = ((horizontal ? fl.xaxis : fl.yaxis) || {}).ticksuffix || "";
    var head, rows = [];
    var points = traces.filter(function (t) {
      return (t.mode || "").indexOf("lines") < 0 && t.x && t.y && typeof t.x[0] === "number" &&
        typeof t.y[0] === "number";
    });
    if (points.length) {  /* a funnel: one row a person, their events and rate */
      var xt = ((fl.xaxis || {}).title || {}).text || "x";
      var yt = ((fl.yaxis || {}).title || {}).text || "y";
      head = ["", plain(xt), plain(yt)];
      points.forEach(function (t) {
        t.x.forEach(function (x, i) {
          var cd = t.customdata && t.customdata[i];
          var label = Array.isArray(cd) && typeof cd[0] === "string" ? cd[0] : t.name;
          rows.push([label, fmt(x), fmt(t.y[i], suffix)]);
        });
      });
    } else if (horizontal) {
      head = [""].concat(traces.map(function (t) { return t.name || "Value"; }));
      (first.y || []).forEach(function (label, i) {
        rows.push([String(label)].concat(traces.map(function (t) {
          var text = Array.isArray(t.text) ? t.text[i] : null;
          return text || fmt(t.x ? t.x[i] : null, suffix);
        })));
      });
    } else {
      var xs = first.x || [];
      head = [""].concat(xs.map(String));
      traces.forEach(function (t) {
        rows.push([t.name || ""].concat(xs.map(function (x, i) { return fmt(t.y ? t.y[i] : null, suffix); })));
      });
    }
    var h = "<tr>" + head.map(function (c) { return '<th scope="col">' + esc(c) + "</th>"; }).join("") + "</tr>";
    var b = rows.map(function (r) {
      return "<tr><th scope=\"row\">" + esc(r[0]) + "</th>" + r.slice(1).map(function (c) { return "<td>" + esc(c) + "</td>"; }).join("") + "</tr>";
    }).join("");
    return '<div class="table-responsive"><table class="table table-sm table-bordered bg-white"><caption>' +
      esc(plain(gd.layout && gd.layout.title && gd.layout.title.text)) + "</caption><thead>" + h +
      "</thead><tbody>" + b + "</tbody></table></div>";
  }
  function describe() {
    document.querySelectorAll(".chart-table[data-graph]").forEach(function (holder) {
      var outer = document.getElementById(holder.getAttribute("data-graph"));
      var gd = outer && (outer.classList.contains("js-plotly-plot") ? outer : outer.querySelector(".js-plotly-plot"));
      if (!gd || !gd.data) { return; }
      var name = plain(gd.layout && gd.layout.title && gd.layout.title.text) || "Chart";
      if (gd.getAttribute("aria-label") !== name) { gd.setAttribute("role", "figure"); gd.setAttribute("aria-label", name); }
      var sig = name + "|" + gd.data.length + "|" + JSON.stringify(gd.data.map(function (t) { return [t.name, (t.y || []).length, (t.x || []).slice(0, 3), (t.y || []).slice(-3)]; }));
      if (holder.getAttribute("data-sig") !== sig) { holder.setAttribute("data-sig", sig); holder.innerHTML = table(gd); }
    });
  }
  window.sqaAfterDraw(describe, 200);
})();
