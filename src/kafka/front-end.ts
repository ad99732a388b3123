// What the broker takes from the Kafka front-end, in one module that src/broker.ts loads with
// import() only when a Kafka listener is configured: the listener, and the coordinators' record
// codecs in Kafka's schemas (the coordinators exist only with the Kafka listener). A NATS-only
// broker loads no module of src/kafka (issue 15, idle RSS; test/kafka/not-loaded.test.ts), and
// nothing outside src/kafka imports it other than for types. Within it, the request path (the
// codec of every API and the handlers, ./connection.js) loads later still, on the first Kafka
// connection (./server.ts).
export { KafkaServer } from './server.js';
export { decodeSubscriptionTopics } from './coordination.js';
export { consumerProtocolCodec } from './consumer-protocol-codec.js';
export { consumerOffsetsRecords, transactionStateCodec } from './coordinator-records.js';
export { shareGroupStateCodec } from './share-state-records.js';
export { NODE_ID } from './context.js';
