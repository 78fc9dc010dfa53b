/**
 * The forwarder's errors. Lambda shows a thrown error's name and message, so each message says
 * what failed and what to do. (The function may import only Node.js, the Firehose client and
 * ../shared, so these are plain Error subclasses rather than the project's SdsError.)
 */

/** The environment does not describe a usable configuration; thrown at module load (an init error). */
export class ForwarderConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`msk-to-firehose is misconfigured: ${problems.join('; ')}`);
    this.name = 'ForwarderConfigError';
    this.problems = problems;
  }
}

/** One Kafka record becomes a Firehose record larger than Firehose accepts (1,000 KiB). */
export class RecordTooLargeError extends Error {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly size: number;
  readonly limit: number;

  constructor(record: { readonly topic: string; readonly partition: number; readonly offset: number }, size: number, limit: number) {
    super(
      `The record at topic ${record.topic}, partition ${record.partition}, offset ${record.offset} ` +
        `is ${size} bytes as a Firehose record; Firehose takes at most ${limit} bytes per record. Nothing of this batch was sent. ` +
        `Produce smaller records, or use RECORD_FORMAT=raw if the JSON-lines encoding made it too large; ` +
        `the event source mapping retries the batch, then sends it to its on-failure destination if one is set.`,
    );
    this.name = 'RecordTooLargeError';
    this.topic = record.topic;
    this.partition = record.partition;
    this.offset = record.offset;
    this.size = size;
    this.limit = limit;
  }
}

/** Some records could not be delivered to Firehose: retries exhausted, time ran out, or a non-retryable error. */
export class FirehoseDeliveryError extends Error {
  /** Records of the invocation that were not acknowledged by Firehose. */
  readonly undelivered: number;
  readonly total: number;
  /** The first error of the last failed call: an entry's ErrorCode or the call's error name. */
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly retryable: boolean;

  constructor(
    message: string,
    details: { undelivered: number; total: number; errorCode: string; errorMessage: string; retryable: boolean },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FirehoseDeliveryError';
    this.undelivered = details.undelivered;
    this.total = details.total;
    this.errorCode = details.errorCode;
    this.errorMessage = details.errorMessage;
    this.retryable = details.retryable;
  }
}
