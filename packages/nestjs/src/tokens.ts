/** Injection token of the module's {@link HttpCache} engine. */
export const LARDER_ENGINE = Symbol('larder.engine');

/** Injection token of the options given to `LarderModule.forRoot` (or made by `forRootAsync`). */
export const LARDER_OPTIONS = Symbol('larder.options');

/** Metadata key under which `@CacheResponse` leaves a handler's resolved route options. @internal */
export const LARDER_ROUTE = 'larder:route';
