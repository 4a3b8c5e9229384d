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
        if (v !== null && v !== undefined && v !== "" && v !== "__all__") { params.set(name, v); }
      });
      var qs = params.toString();
      var url = window.location.pathname + (qs ? "?" + qs : "") + window.location.hash;
      window.history.replaceState(window.history.state, "", url);
      return qs;
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

