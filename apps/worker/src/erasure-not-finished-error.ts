/** An erasure could not finish this round (a job carrying the person is being processed); it is taken up again on the next. */
export class ErasureNotFinishedError extends Error {
  override readonly name = 'ErasureNotFinishedError';
}
