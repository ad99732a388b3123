export { startBroker } from './broker.js';
export type { Broker } from './broker.js';
export type { BrokerConfig, BrokerOptions } from './config.js';
