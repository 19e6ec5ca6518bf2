export {
  DEFAULT_FILL_BUCKETS,
  type LarderMetrics,
  type LarderMetricsOptions,
  larderMetrics,
} from './larder-metrics.js';
