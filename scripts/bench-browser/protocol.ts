/** One timing of bare onnxruntime-web: a model, its threads and batch, over the first `images` inputs. */
export interface BareRequest {
  /** URLs the bench serves: the model's bytes and N images' float32 tensors back to back */
  modelUrl: string;
  inputUrl: string;
  /** dims of one image, without the batch: [3, H, W] */
  imageDims: number[];
  images: number;
  threads: number;
  batch: number;
  /**
   * fold the input and every fetched output into the workbench's statistics after each run (core/calib/stats),
   * timed apart, and derive the tensors the calibration derives (output → parts) as it does, at the end
   */
  statistics?: { input: string | null; derived: [string, string[]][] };
}

export interface BareResult {
  imagesPerSecond: number;
  /** runs timed (after one warm-up run) */
  runs: number;
  /** onnxruntime-web's version and whether threads were available */
  runtime: string;
  /** with `statistics`: per image, the run and the folding into the statistics, in ms */
  split?: { runMs: number; statisticsMs: number };
}
