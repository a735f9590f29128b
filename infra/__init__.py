"""Infrastructure for developers and tests: the JVM engines (Kafka, Cassandra, OpenSearch, Spark's
Kafka connector), fetched from Maven Central through infra/jvm and started by infra/engines.
Not a Django app: nothing here imports the shop."""
