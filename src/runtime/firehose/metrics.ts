/**
 * A delivery stream's counters under Firehose's CloudWatch names (namespace AWS/Firehose,
 * dimension DeliveryStreamName), for the dashboard. DeliveryToS3.Success is the share of object
 * writes that succeeded (1 when none was tried); DataFreshness is read from the stream itself.
 */

export interface StreamMetricValues {
  readonly IncomingRecords: number;
  readonly IncomingBytes: number;
  readonly IncomingPutRequests: number;
  readonly ThrottledRecords: number;
  readonly 'DeliveryToS3.Records': number;
  readonly 'DeliveryToS3.Bytes': number;
  readonly 'DeliveryToS3.Success': number;
  readonly 'DeliveryToS3.Objects': number;
  /** Local only: records kept in the stream's folder after the retry duration (Firehose drops them). */
  readonly UndeliveredRecords: number;
}

export class StreamMetrics {
  private incomingRecords = 0;
  private incomingBytes = 0;
  private putRequests = 0;
  private throttledRecords = 0;
  private deliveredRecords = 0;
  private deliveredBytes = 0;
  private writes = 0;
  private failedWrites = 0;
  private undeliveredRecords = 0;

  incoming(records: number, bytes: number): void {
    this.putRequests++;
    this.incomingRecords += records;
    this.incomingBytes += bytes;
  }

  throttled(records: number): void {
    this.throttledRecords += records;
  }

  delivery(ok: boolean, records: number, bytes: number): void {
    this.writes++;
    if (!ok) {
      this.failedWrites++;
      return;
    }
    this.deliveredRecords += records;
    this.deliveredBytes += bytes;
  }

  setAside(records: number): void {
    this.undeliveredRecords += records;
  }

  snapshot(): StreamMetricValues {
    return {
      IncomingRecords: this.incomingRecords,
      IncomingBytes: this.incomingBytes,
      IncomingPutRequests: this.putRequests,
      ThrottledRecords: this.throttledRecords,
      'DeliveryToS3.Records': this.deliveredRecords,
      'DeliveryToS3.Bytes': this.deliveredBytes,
      'DeliveryToS3.Success': this.writes === 0 ? 1 : (this.writes - this.failedWrites) / this.writes,
      'DeliveryToS3.Objects': this.writes - this.failedWrites,
      UndeliveredRecords: this.undeliveredRecords,
    };
  }
}
