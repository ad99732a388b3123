// Kafka 4.4's coordinator record formatter (the machinery of GroupMetadataMessageFormatter:
// Kafka's GroupCoordinatorRecordSerde and its generated JSON converters) for every record type
// of __consumer_offsets. Kafka 4.4 ships formatters for offsets (types 0-1), classic groups (2)
// and share groups (10-15) only; the KIP-848 (3-8, 16) and streams (17-23) records are read by the
// same serde, which this formatter prints. Used by test/kafka/coordinator-records-java.test.ts.
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.coordinator.group.GroupCoordinatorRecordSerde;
import org.apache.kafka.coordinator.group.generated.CoordinatorRecordJsonConverters;
import org.apache.kafka.tools.consumer.CoordinatorRecordMessageFormatter;

public class AllGroupRecordsFormatter extends CoordinatorRecordMessageFormatter {
    public AllGroupRecordsFormatter() {
        super(new GroupCoordinatorRecordSerde());
    }

    @Override
    protected boolean isRecordTypeAllowed(short recordType) {
        return true;
    }

    @Override
    protected JsonNode keyAsJson(ApiMessage message) {
        return CoordinatorRecordJsonConverters.writeRecordKeyAsJson(message);
    }

    @Override
    protected JsonNode valueAsJson(ApiMessage message, short version) {
        return CoordinatorRecordJsonConverters.writeRecordValueAsJson(message, version);
    }
}
