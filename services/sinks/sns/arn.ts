/** The region of a topic ARN (`arn:<partition>:sns:<region>:<account>:<name>`), if it is one. */
export function topicRegion(topicArn: string): string | undefined {
  const m = /^arn:[a-z0-9-]+:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_.-]+$/.exec(topicArn);
  return m?.[1];
}

/** True for a FIFO topic (its name ends in `.fifo`): messages then need a group and a deduplication id. */
export function isFifoTopic(topicArn: string): boolean {
  return topicArn.endsWith('.fifo');
}
