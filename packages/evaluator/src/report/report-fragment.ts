/** One chart of the report as a standalone SVG file (the same markup is inlined in the HTML). */
export interface ReportImage {
  /** The figure id, e.g. "seed-a-fig-2"; `writeReport` saves it as `images/<name>.svg`. */
  name: string;
  svg: string;
}

/** A piece of the report: its HTML and the charts it inlines. */
export interface ReportFragment {
  html: string;
  images: ReportImage[];
}
