/**
 * Perfetto traces: a streaming writer of Perfetto's protobuf trace format and a reader that
 * parses one back. The classes generated from Perfetto's .proto files (package perfetto.protos)
 * are internal; protobuf-java reads them reflectively (text format, descriptors), hence the open.
 */
module io.mmemu.perfetto {
    requires com.google.protobuf;
    exports io.mmemu.perfetto;
    opens perfetto.protos to com.google.protobuf;
}
