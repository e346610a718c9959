/**
 * The port through which every evidence PDF is sealed before it is stored. The adapter signs with
 * the organisation's certificate (PAdES) and, when a time-stamp authority is configured, adds a
 * time-stamp; when that authority cannot be reached the document is sealed without it and says so.
 */
export interface SealOutcome {
  pdf: Buffer;
  timestamped: boolean;
  /** Why there is no time-stamp although one was configured. */
  timestampError?: string | undefined;
}

export interface Sealer {
  seal(pdf: Buffer, info: { reason: string; name: string; contactInfo?: string; signedAt: Date }): Promise<SealOutcome>;
  /** Whether a time-stamp authority is configured (so a missing time-stamp is a fault to retry). */
  readonly timestamps: boolean;
}

/**
 * The seal state a request keeps for its record: with a time-stamp, without one because no
 * authority is configured, or without one while the configured authority failed (a job retries).
 */
export function sealStateOf(sealer: Pick<Sealer, 'timestamps'>, outcome: Pick<SealOutcome, 'timestamped'>): 'timestamped' | 'no_timestamp_authority' | 'sealed_without_timestamp' {
  if (outcome.timestamped) return 'timestamped';
  return sealer.timestamps ? 'sealed_without_timestamp' : 'no_timestamp_authority';
}
