// One uPlot line chart per metric, fed point by point from the job's events.
/* global uPlot */

const colors = ["#2f5bea", "#c62828", "#2e7d32"];

export class MetricChart {
  /** A chart titled `title` with one series per label (the first is drawn solid, the rest dashed), as wide as its card. */
  constructor(container, title, labels) {
    this.container = container;
    this.data = [[], ...labels.map(() => [])];
    this.plot = new uPlot({
      title, width: this.width(), height: 200,
      scales: { x: { time: false } },
      legend: { show: labels.length > 1 }, // a single series is named by the chart's title
      axes: [{ label: "step" }, { size: 60 }],
      series: [{ label: "step" }, ...labels.map((label, i) => ({ label, stroke: colors[i], width: 2, dash: i ? [6, 4] : undefined, spanGaps: true, points: { show: false } }))],
    }, this.data, container);
    new ResizeObserver(() => {
      if (this.plot.width !== this.width()) this.plot.setSize({ width: this.width(), height: 200 });
    }).observe(container);
  }

  width() { return Math.max(240, this.container.clientWidth - 32); }

  /**
   * Adds values at `step` (one per series, null where that series has none). A step at or before the last one
   * replaces the points from there on: a retried attempt trains again from its checkpoint.
   */
  add(step, ...values) {
    while (this.data[0].length > 0 && this.data[0][this.data[0].length - 1] >= step) {
      this.data.forEach(series => series.pop());
    }
    this.data[0].push(step);
    values.forEach((value, i) => this.data[i + 1].push(value ?? null));
    this.plot.setData(this.data);
    this.container.dataset.points = String(this.points);
  }

  get points() { return this.data[0].length; }
}
