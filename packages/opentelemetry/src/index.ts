export {
  INSTRUMENTATION_SCOPE,
  type LarderTelemetry,
  type LarderTelemetryOptions,
  larderTelemetry,
} from './larder-telemetry.js';
