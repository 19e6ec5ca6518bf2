import express5 from 'express';
import express4 from 'express4';
import type { Driver } from './driver.js';
import { expressDriver } from './express-driver.js';
import { fastifyDriver } from './fastify-driver.js';

/** Every adapter the contract runs against; each case runs once per driver. */
export const drivers: readonly Driver[] = [
  fastifyDriver,
  expressDriver('express 5', express5),
  expressDriver('express 4.21', express4),
];
