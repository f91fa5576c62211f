// One uPlot line chart per metric, fed point by point from the job's events.
/* global uPlot */

export class MetricChart {
  /** A chart titled `title` with one series per label (the first is drawn solid, the rest dashed). */
  constructor(container, title, labels) {
    this.data = [[], ...labels.map(() => [])];
    const colors = ["#2f5bea", "#c62828", "#2e7d32"];
    this.plot = new uPlot({
      title, width: 360, height: 200,
      scales: { x: { time: false } },
      axes: [{ label: "step" }, {}],
      series: [{ label: "step" }, ...labels.map((label, i) => ({ label, stroke: colors[i], width: 2, dash: i ? [6, 4] : undefined, spanGaps: true }))],
    }, this.data, container);
  }

  /** Adds values at `step` (one per series, null where that series has none). */
  add(step, ...values) {
    this.data[0].push(step);
    values.forEach((value, i) => this.data[i + 1].push(value ?? null));
    this.plot.setData(this.data);
  }

  get points() { return this.data[0].length; }
}
