export { startBroker } from './broker.js';
export type { Broker } from './broker.js';
export type { BrokerOptions } from './config.js';
