// The protocol APIs the runtime calls itself, each with the versions @platformatic/kafka
// implements (newest first, all with the same arguments): KafkaClient.api() picks the newest one
// the broker also serves, from its ApiVersions answer. Wharf and Apache Kafka 4.4 serve
// different ranges (Wharf: Fetch up to v16, TxnOffsetCommit up to v3, ...).
import {
  addOffsetsToTxnV1,
  addOffsetsToTxnV2,
  addOffsetsToTxnV3,
  addOffsetsToTxnV4,
  fetchV12,
  fetchV13,
  fetchV14,
  fetchV15,
  fetchV16,
  fetchV17,
  findCoordinatorV4,
  findCoordinatorV5,
  findCoordinatorV6,
  heartbeatV4,
  joinGroupV6,
  joinGroupV7,
  joinGroupV8,
  joinGroupV9,
  leaveGroupV4,
  leaveGroupV5,
  offsetCommitV8,
  offsetCommitV9,
  syncGroupV4,
  syncGroupV5,
  txnOffsetCommitV3,
  txnOffsetCommitV4,
} from '@platformatic/kafka';

export const Apis = {
  Fetch: [fetchV17.api, fetchV16.api, fetchV15.api, fetchV14.api, fetchV13.api, fetchV12.api],
  JoinGroup: [joinGroupV9.api, joinGroupV8.api, joinGroupV7.api, joinGroupV6.api],
  SyncGroup: [syncGroupV5.api, syncGroupV4.api],
  Heartbeat: [heartbeatV4.api],
  LeaveGroup: [leaveGroupV5.api, leaveGroupV4.api],
  OffsetCommit: [offsetCommitV9.api, offsetCommitV8.api],
  TxnOffsetCommit: [txnOffsetCommitV4.api, txnOffsetCommitV3.api],
  AddOffsetsToTxn: [addOffsetsToTxnV4.api, addOffsetsToTxnV3.api, addOffsetsToTxnV2.api, addOffsetsToTxnV1.api],
  FindCoordinator: [findCoordinatorV6.api, findCoordinatorV5.api, findCoordinatorV4.api],
} as const;

export type FetchResponse = fetchV17.FetchResponse;
export type FetchResponsePartition = fetchV17.FetchResponsePartition;
export type JoinGroupResponse = joinGroupV9.JoinGroupResponse;
export type SyncGroupResponse = syncGroupV5.SyncGroupResponse;
