import type express from 'express';

/**
 * A provider callback's body that cannot be read (too large, cut off) is answered as CONTRACT.md
 * says every callback reply is: a plain `FAIL` (the provider calls again), never a JSON error.
 * Used by the payment service's route and by the gateway that forwards it.
 */
export const callbackBodyError: express.ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = (err as { status?: number }).status;
  res.status(status && status >= 400 && status < 500 ? status : 400).type('text/plain').send('FAIL');
};
