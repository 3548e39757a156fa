/** How far a one-pass collector run is, reported after each input file (`CollectorServiceDeps.onProgress`). */
export interface CollectProgress {
  filesDone: number;
  filesTotal: number;
  /** Bytes of the input files read so far (as stored: compressed files count compressed). */
  bytesDone: number;
  bytesTotal: number;
  /** Records read, events normalized and records dead-lettered so far. */
  read: number;
  normalized: number;
  deadLettered: number;
}
