import type { InvalidateOptions, RouteCacheOptions } from '@larder/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { ContractApp, ContractResponse, Driver, RouteSpec } from './driver.js';
import { drivers } from './drivers.js';
import { expressDriver } from './express-driver.js';
import { fastifyDriver } from './fastify-driver.js';

describe('the contract driver', () => {
  it('is implemented by every adapter', () => {
    expectTypeOf(drivers).toEqualTypeOf<readonly Driver[]>();
    expectTypeOf(fastifyDriver).toExtend<Driver>();
    expectTypeOf(expressDriver).returns.toEqualTypeOf<Driver>();
    expectTypeOf<Driver['makeApp']>().returns.resolves.toEqualTypeOf<ContractApp>();
  });

  it('hands cases raw bytes and the engine API', () => {
    expectTypeOf<ContractResponse['body']>().toEqualTypeOf<Buffer>();
    expectTypeOf<ContractApp['invalidate']>().parameter(0).toEqualTypeOf<InvalidateOptions>();
    expectTypeOf<ContractApp['request']>().returns.resolves.toEqualTypeOf<ContractResponse>();
  });

  it('takes route options as the engine types them', () => {
    expectTypeOf<Exclude<RouteSpec['cache'], boolean | undefined>>().toEqualTypeOf<RouteCacheOptions>();
    // @ts-expect-error: a ttl is a duration, not a boolean
    const bad: RouteSpec = { path: '/', cache: { ttl: true }, origin: () => ({}) };
    void bad;
  });
});
