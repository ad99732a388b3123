// The BROKER_LOGGER config resource (type 8), as Kafka serves its log4j loggers: DescribeConfigs
// lists the broker's named loggers (src/log.ts: `root` and each component) with their levels,
// IncrementalAlterConfigs SET changes a logger's level at run time and DELETE resets one to the
// root's level (`kafka-configs.sh --entity-type broker-loggers --entity-name <id>`). Kafka's log4j
// levels map onto Wharf's: TRACE, DEBUG, INFO, WARN, ERROR, FATAL as they are; a logger at
// `silent` is described as OFF, which Kafka 4.4 does not accept in a SET. Errors as Kafka 4.4
// answers them: the resource names this broker's id (INVALID_REQUEST otherwise); an unknown
// logger or level is INVALID_CONFIG; a SET without a value, removing the root logger's level,
// APPEND and SUBTRACT are INVALID_REQUEST. Described as Kafka describes its loggers: source
// DYNAMIC_BROKER_LOGGER_CONFIG, type UNKNOWN, no synonyms. Levels are not kept across restarts
// (nor in Kafka).
import type { LogLevel } from '../../config.js';
import { ROOT_LOGGER } from '../../log.js';
import { ErrorCode, KafkaApiError } from '../errors.js';
import { ConfigSource, ConfigType, type DescribedConfig } from './configs.js';
import type { RequestContext } from './types.js';

/** The levels a SET may give (Kafka's LogLevelConfig.VALID_LOG_LEVELS) and Wharf's level for each. */
const KAFKA_TO_WHARF: Readonly<Record<string, LogLevel>> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', FATAL: 'fatal' };
/** As Kafka lists them in its message (a sorted set). */
const VALID_LEVELS = Object.keys(KAFKA_TO_WHARF).sort();

/** Wharf's level under its log4j name. */
export function kafkaLevelName(level: LogLevel): string {
  if (level === 'silent') return 'OFF';
  return Object.keys(KAFKA_TO_WHARF).find((k) => KAFKA_TO_WHARF[k] === level) ?? level.toUpperCase();
}

const OP_SET = 0;
const OP_DELETE = 1;
const OP_APPEND = 2;
const OP_SUBTRACT = 3;

/** The resource must name this broker (Kafka's resourceNameToBrokerId and its check). */
function checkDescribedBroker(ctx: Pick<RequestContext, 'cluster'>, resource: string): void {
  if (resource === '') throw new KafkaApiError(ErrorCode.INVALID_REQUEST, 'Broker id must not be empty');
  if (!/^-?\d+$/.test(resource)) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${resource}`);
  if (Number(resource) !== ctx.cluster.nodeId) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${ctx.cluster.nodeId} but received ${resource}`);
}

/** DescribeConfigs of BROKER_LOGGER: every logger and its level (DYNAMIC_BROKER_LOGGER_CONFIG, as Kafka reports them all). */
export function describeBrokerLoggers(ctx: Pick<RequestContext, 'cluster' | 'loggerLevels'>, resource: string): DescribedConfig[] {
  checkDescribedBroker(ctx, resource);
  return ctx.loggerLevels.list().map((l) => ({ name: l.name, value: kafkaLevelName(l.level), source: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG, type: ConfigType.UNKNOWN, readOnly: false }));
}

/** IncrementalAlterConfigs of BROKER_LOGGER: every operation validated first (Kafka's validateLogLevelConfigs), then applied. */
export function alterBrokerLoggers(ctx: Pick<RequestContext, 'cluster' | 'loggerLevels'>, resource: string, configs: ReadonlyArray<{ name: string; configOperation: number; value: string | null }>, validateOnly: boolean): void {
  if (!/^-?\d+$/.test(resource)) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${resource}`);
  if (Number(resource) !== ctx.cluster.nodeId) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unexpected node id. Expected ${ctx.cluster.nodeId}, but received ${resource}`);
  const nulls = configs.filter((c) => c.configOperation === OP_SET && c.value === null).map((c) => c.name);
  if (nulls.length > 0) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);
  const levels = ctx.loggerLevels;
  const exists = (name: string): void => {
    if (!levels.has(name)) throw new KafkaApiError(ErrorCode.INVALID_CONFIG, `Logger ${name} does not exist!`);
  };
  for (const c of configs) {
    switch (c.configOperation) {
      case OP_SET:
        exists(c.name);
        if (c.value === null || KAFKA_TO_WHARF[c.value] === undefined) {
          throw new KafkaApiError(ErrorCode.INVALID_CONFIG, `Cannot set the log level of ${c.name} to ${c.value} as it is not a supported log level. Valid log levels are ${VALID_LEVELS.join(', ')}`);
        }
        break;
      case OP_DELETE:
        exists(c.name);
        if (c.name === ROOT_LOGGER) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Removing the log level of the ${ROOT_LOGGER} logger is not allowed`);
        break;
      case OP_APPEND:
        throw new KafkaApiError(ErrorCode.INVALID_REQUEST, 'APPEND operation is not allowed for the BROKER_LOGGER resource');
      case OP_SUBTRACT:
        throw new KafkaApiError(ErrorCode.INVALID_REQUEST, 'SUBTRACT operation is not allowed for the BROKER_LOGGER resource');
      default:
        throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unknown operation type ${c.configOperation} is not allowed for the BROKER_LOGGER resource`);
    }
  }
  if (validateOnly) return;
  for (const c of configs) levels.set(c.name, c.configOperation === OP_SET ? KAFKA_TO_WHARF[c.value!]! : null);
}
