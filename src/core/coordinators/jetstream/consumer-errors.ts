// The API errors of JetStream consumers, as nats-server v2.15.2 answers them: HTTP-like code,
// err_code and description (test/jetstream/fixtures/error-codes.json). Clients branch on
// err_code, and some match descriptions, so the texts are exact. Kept as data in the core:
// the consumer coordinator decides which error a request gets; the front-end only encodes it.
import type { JsApiError } from '../../streams/types.js';

function e(code: number, errCode: number, description: string): JsApiError {
  return { code, err_code: errCode, description };
}

export const ConsumerErrors = {
  badRequest: (): JsApiError => e(400, 10003, 'bad request'),
  /** JSConsumerCreateErrF: a create/update refused for a reason with no error code of its own. */
  create: (reason: string): JsApiError => e(500, 10012, reason),
  nameExists: (): JsApiError => e(400, 10013, 'consumer name already in use'),
  notFound: (): JsApiError => e(404, 10014, 'consumer not found'),
  /** JSConsumerOfflineReasonErrF. */
  offlineReason: (reason: string): JsApiError => e(500, 10195, `consumer is offline: ${reason}`),
  durableNameNotInSubject: (): JsApiError => e(400, 10016, 'consumer expected to be durable but no durable name set in subject'),
  durableNameNotMatchSubject: (): JsApiError => e(400, 10017, 'consumer name in subject does not match durable name in request'),
  durableNameNotSet: (): JsApiError => e(400, 10018, 'consumer expected to be durable but a durable name was not set'),
  ephemeralWithDurableName: (): JsApiError => e(400, 10020, 'consumer expected to be ephemeral but a durable name was set in request'),
  invalidJson: (goError: string): JsApiError => e(400, 10025, `invalid JSON: ${goError}`),
  maxConsumers: (): JsApiError => e(400, 10026, 'maximum consumers limit reached'),
  /** JSStreamInvalidConfigF: nats-server reports bad consumer names and filters with it. */
  invalidConfig: (reason: string): JsApiError => e(500, 10052, reason),
  streamMismatch: (): JsApiError => e(400, 10056, 'stream name in subject does not match request'),
  streamNotFound: (): JsApiError => e(404, 10059, 'stream not found'),
  replicasNotSupported: (): JsApiError => e(500, 10074, 'replicas > 1 not supported in non-clustered mode'),
  configRequired: (): JsApiError => e(400, 10078, 'consumer config required'),
  deliverToWildcards: (): JsApiError => e(400, 10079, 'consumer deliver subject has wildcards'),
  pushMaxWaiting: (): JsApiError => e(400, 10080, 'consumer in push mode can not set max waiting'),
  deliverCycle: (): JsApiError => e(400, 10081, 'consumer deliver subject forms a cycle'),
  maxPendingAckPolicyRequired: (): JsApiError => e(400, 10082, 'consumer requires ack policy for max ack pending'),
  smallHeartbeat: (): JsApiError => e(400, 10083, 'consumer idle heartbeat needs to be >= 100ms'),
  pullRequiresAck: (): JsApiError => e(400, 10084, 'consumer in pull mode requires explicit ack policy on workqueue stream'),
  pullWithRateLimit: (): JsApiError => e(400, 10086, 'consumer in pull mode can not have rate limit set'),
  maxWaitingNegative: (): JsApiError => e(400, 10087, 'consumer max waiting needs to be positive'),
  heartbeatRequiresPush: (): JsApiError => e(400, 10088, 'consumer idle heartbeat requires a push based consumer'),
  flowControlRequiresPush: (): JsApiError => e(400, 10089, 'consumer flow control requires a push based consumer'),
  invalidPolicy: (reason: string): JsApiError => e(400, 10094, reason),
  invalidSampling: (reason: string): JsApiError => e(400, 10095, `failed to parse consumer sampling configuration: ${reason}`),
  wqRequiresExplicitAck: (): JsApiError => e(400, 10098, 'workqueue stream requires explicit ack'),
  wqMultipleUnfiltered: (): JsApiError => e(400, 10099, 'multiple non-filtered consumers not allowed on workqueue stream'),
  wqNotUnique: (): JsApiError => e(400, 10100, 'filtered consumer not unique on workqueue stream'),
  wqNotDeliverAll: (): JsApiError => e(400, 10101, 'consumer must be deliver all on workqueue stream'),
  nameTooLong: (max: number): JsApiError => e(400, 10102, `consumer name is too long, maximum allowed is ${max}`),
  badDurableName: (): JsApiError => e(400, 10103, "durable name can not contain '.', '*', '>'"),
  existingActive: (): JsApiError => e(400, 10105, 'consumer already exists and is still active'),
  replacementDifferent: (): JsApiError => e(400, 10106, 'consumer replacement durable config not the same'),
  descriptionTooLong: (max: number): JsApiError => e(400, 10107, `consumer description is too long, maximum allowed is ${max}`),
  flowControlNeedsHeartbeats: (): JsApiError => e(400, 10108, 'consumer with flow control also needs heartbeats'),
  invalidDeliverSubject: (): JsApiError => e(400, 10112, 'invalid push consumer deliver subject'),
  maxRequestBatchNegative: (): JsApiError => e(400, 10114, 'consumer max request batch needs to be > 0'),
  maxRequestExpiresTooSmall: (): JsApiError => e(400, 10115, 'consumer max request expires needs to be >= 1ms'),
  maxDeliverBackoff: (): JsApiError => e(400, 10116, 'max deliver is required to be > length of backoff values'),
  pedantic: (why: string): JsApiError => e(400, 10157, `pedantic mode: ${why}`),
  maxAckPendingExcess: (limit: number): JsApiError => e(400, 10121, `consumer max ack pending exceeds system limit of ${limit}`),
  replicasExceedStream: (): JsApiError => e(400, 10126, 'consumer config replica count exceeds parent stream'),
  nameContainsPathSeparators: (): JsApiError => e(400, 10127, 'Consumer name can not contain path separators'),
  filterSubjectMismatch: (): JsApiError => e(400, 10131, 'Consumer create request did not match filtered subject from create subject'),
  durableAndNameMismatch: (): JsApiError => e(400, 10132, 'Consumer Durable and Name have to be equal if both are provided'),
  replicasShouldMatchStream: (): JsApiError => e(400, 10134, "consumer config replicas must match interest retention stream's replicas"),
  metadataLength: (limit: string): JsApiError => e(400, 10135, `consumer metadata exceeds maximum size of ${limit}`),
  duplicateFilterSubjects: (): JsApiError => e(400, 10136, 'consumer cannot have both FilterSubject and FilterSubjects specified'),
  multipleFiltersNotAllowed: (): JsApiError => e(400, 10137, 'consumer with multiple subject filters cannot use subject based API'),
  overlappingFilters: (): JsApiError => e(400, 10138, 'consumer subject filters cannot overlap'),
  emptyFilter: (): JsApiError => e(400, 10139, 'consumer filter in FilterSubjects cannot be empty'),
  alreadyExists: (): JsApiError => e(400, 10148, 'consumer already exists'),
  doesNotExist: (): JsApiError => e(400, 10149, 'consumer does not exist'),
  inactiveThresholdExcess: (limit: string): JsApiError => e(400, 10153, `consumer inactive threshold exceeds system limit of ${limit}`),
  priorityPolicyWithoutGroup: (): JsApiError => e(400, 10159, 'Setting PriorityPolicy requires at least one PriorityGroup to be set'),
  invalidPriorityGroup: (): JsApiError => e(400, 10160, 'Provided priority group does not exist for this consumer'),
  emptyGroupName: (): JsApiError => e(400, 10161, 'Group name cannot be an empty string'),
  invalidGroupName: (): JsApiError => e(400, 10162, 'Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters'),
  pushWithPriorityGroup: (): JsApiError => e(400, 10178, 'priority groups can not be used with push consumers'),
  ackPolicyInvalid: (): JsApiError => e(400, 10181, 'consumer ack policy invalid'),
  replayPolicyInvalid: (): JsApiError => e(400, 10182, 'consumer replay policy invalid'),
  ackWaitNegative: (): JsApiError => e(400, 10183, 'consumer ack wait needs to be positive'),
  backoffNegative: (): JsApiError => e(400, 10184, 'consumer backoff needs to be positive'),
  priorityGroupWithPolicyNone: (): JsApiError => e(400, 10196, 'consumer can not have priority groups when policy is none'),
  pinnedTtlWithoutPolicy: (): JsApiError => e(400, 10197, 'PinnedTTL cannot be set when PriorityPolicy is none'),
  invalidReset: (reason: string): JsApiError => e(400, 10204, `invalid reset: ${reason}`),
  // ack_policy flow_control (ADR-60, nats-server 2.14): checkConsumerCfg's rules.
  ackFcRequiresPush: (): JsApiError => e(400, 10218, 'flow control ack policy requires a push based consumer'),
  ackFcRequiresFc: (): JsApiError => e(400, 10219, 'flow control ack policy requires flow control'),
  ackFcRequiresMaxAckPending: (): JsApiError => e(400, 10220, 'flow control ack policy requires max ack pending'),
  ackFcRequiresNoAckWait: (): JsApiError => e(400, 10221, 'flow control ack policy requires unset ack wait'),
  ackFcRequiresNoMaxDeliver: (): JsApiError => e(400, 10222, 'flow control ack policy requires unset max deliver'),
} as const;

export function isJsApiError(v: unknown): v is JsApiError {
  return typeof v === 'object' && v !== null && 'err_code' in v && 'description' in v && 'code' in v;
}
