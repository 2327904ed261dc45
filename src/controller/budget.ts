// The controller's API budget: how fast it may write annotations and Events.
// The write defaults are controller-runtime's client defaults (20 requests per
// second, bursts of 30); Events have a budget of their own so that a first pass
// over a large cluster cannot turn into a flood of them.

export const DEFAULT_WRITE_QPS = 20;
export const DEFAULT_WRITE_BURST = 30;
export const DEFAULT_EVENT_QPS = 5;
export const DEFAULT_EVENT_BURST = 25;
