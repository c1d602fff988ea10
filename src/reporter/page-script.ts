// The script of the HTML report, run by the browser: it draws each run's charts with uPlot from
// the data inlined in the page. Plain ES2017 in a string, since it runs in the page, not in Node.

/** The page's script: reads #quicksand-data, draws a timeline and a percentile chart per run. */
export const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('quicksand-data').textContent);
  var width = Math.min(1100, document.body.clientWidth - 40);
  var colors = { mbps: '#2563eb', p95: '#dc2626', failed: '#111827', failovers: '#f59e0b', shade: 'rgba(245, 158, 11, 0.15)', event: '#6b7280' };

  function dot(color) {
    return { show: true, size: 8, stroke: color, fill: color };
  }

  // Shade impairment periods and mark events, on uPlot's own canvas and scales.
  function overlay(run) {
    return {
      drawClear: [function (u) {
        var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
        ctx.save();
        ctx.fillStyle = colors.shade;
        run.periods.forEach(function (p) {
          var x0 = u.valToPos(p.from / 1000, 'x', true), x1 = u.valToPos(p.to / 1000, 'x', true);
          ctx.fillRect(x0, top, Math.max(x1 - x0, 1), height);
        });
        ctx.restore();
      }],
      draw: [function (u) {
        var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
        ctx.save();
        ctx.strokeStyle = colors.event;
        ctx.setLineDash([4, 4]);
        run.marks.forEach(function (e) {
          var x = u.valToPos(e.at / 1000, 'x', true);
          ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
        });
        ctx.restore();
      }],
    };
  }

  function perSecond(s, n) { return n == null ? null : n / (s.ms / 1000); }

  // What each kind of run plots: [label, scale, value of a sample, drawn as points only].
  var plots = {
    load: {
      axes: [['Mbps', 'mbps'], ['ACK p95 ms', 'ms']],
      series: [
        ['throughput Mbps', 'mbps', function (s) { return ((s.bytes || 0) * 8) / (s.ms / 1000) / 1e6; }, false, colors.mbps],
        ['ACK p95 ms', 'ms', function (s) { return s.ackCount ? s.ackP95Ms : null; }, false, colors.p95],
        ['failed streams', 'n', function (s) { return s.streamsFailed || null; }, true, colors.failed],
        ['failovers', 'n', function (s) { return s.failovers || null; }, true, colors.failovers],
      ],
    },
    traffic: {
      axes: [['packets/s', 'pps'], ['RTT p95 ms', 'ms']],
      series: [
        ['echoes/s', 'pps', function (s) { return perSecond(s, s.received || 0); }, false, colors.mbps],
        ['RTT p95 ms', 'ms', function (s) { return s.rttCount ? s.rttP95Ms : null; }, false, colors.p95],
        ['failed connections', 'n', function (s) { return s.failedConnections || null; }, true, colors.failed],
        ['dropped', 'n', function (s) { return s.dropped || null; }, true, colors.failovers],
      ],
    },
    pipeline: {
      axes: [['packets/s', 'pps'], ['drops', 'n']],
      series: [
        ['delivered/s', 'pps', function (s) { return perSecond(s, s['sink.delivered'] || 0); }, false, colors.mbps],
        ['into hop 1/s', 'pps', function (s) { return perSecond(s, s['hop1.received'] || 0); }, false, colors.event],
        ['dropped at a hop', 'n', function (s) {
          var n = 0;
          Object.keys(s).forEach(function (k) { if (/^hop\\d+\\.(bufExhaust|kernelDrops|parseErrors|sendErrors)$/.test(k)) n += s[k]; });
          return n || null;
        }, true, colors.failed],
      ],
    },
  };

  function timeline(run, el) {
    var t = run.timeline, plot = plots[run.kind] || plots.load;
    var xs = t.map(function (s) { return s.at / 1000; });
    var columns = plot.series.map(function (p) { return t.map(p[2]); });
    new uPlot({
      width: width, height: 300,
      // The whole run, from its start: the first sample may come later than the first event.
      scales: { x: { time: false, range: [0, Math.max(run.durationMs / 1000, xs[xs.length - 1] + 0.001)] } },
      series: [{ label: 's' }].concat(plot.series.map(function (p) {
        return p[3]
          ? { label: p[0], stroke: p[4], scale: p[1], paths: function () { return null; }, points: dot(p[4]) }
          : { label: p[0], stroke: p[4], width: 2, scale: p[1], spanGaps: true, points: { show: true } };
      })),
      axes: [{ label: 'seconds into the run' }].concat(plot.axes.map(function (a, i) {
        return i === 0 ? { scale: a[1], label: a[0] } : { scale: a[1], side: 1, label: a[0], grid: { show: false } };
      })),
      hooks: overlay(run),
    }, [xs].concat(columns), el);
    el.dataset.points = String(xs.length);
  }

  // The classic HDR plot: latency against 1/(1-p) on a log axis, so the tail gets the room.
  function percentiles(run, el) {
    var points = run.ackPercentiles.filter(function (p) { return p[0] < 100; });
    var xs = points.map(function (p) { return 1 / (1 - p[0] / 100); });
    var ys = points.map(function (p) { return p[1]; });
    new uPlot({
      width: width, height: 260,
      scales: { x: { time: false, distr: 3 } },
      series: [
        { label: 'percentile', value: function (u, v) { return v == null ? '' : (100 - 100 / v).toFixed(4) + '%'; } },
        { label: 'ACK latency ms', stroke: colors.p95, width: 2, points: { show: true, size: 4 } },
      ],
      axes: [
        {
          label: 'percentile',
          // One labelled tick per nine: 0%, 90%, 99%, 99.9%, ...
          splits: function (u) {
            var ticks = [], max = u.scales.x.max;
            for (var v = 1; v <= max * 1.0001; v *= 10) ticks.push(v);
            return ticks;
          },
          values: function (u, vals) {
            return vals.map(function (v) { return v == null ? '' : String(Math.round((100 - 100 / v) * 1e4) / 1e4) + '%'; });
          },
        },
        { label: 'ms' },
      ],
    }, [xs, ys], el);
    el.dataset.points = String(xs.length);
  }

  data.runs.forEach(function (run) {
    var section = document.getElementById(run.id);
    if (run.timeline.length) timeline(run, section.querySelector('.timeline'));
    if (run.ackPercentiles.length > 1) percentiles(run, section.querySelector('.percentiles'));
  });
  document.body.dataset.rendered = String(data.runs.length);
})();
`
