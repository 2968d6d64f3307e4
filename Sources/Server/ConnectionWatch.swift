import NIOCore

/// Tells when a client closes its connection while its answer waits or is
/// made, so the answer can be cancelled at once and the engine freed.
/// Nothing is written to the client while an answer waits, so a closed
/// connection shows only as the end of what it sends: the handler sits at
/// the front of the connection's pipeline for the time of one answer and
/// watches for it.
enum ConnectionWatch {
  /// Runs `operation`, calling `onClose` if the connection closes meanwhile.
  static func whileOpen<Value>(
    _ channel: any Channel, onClose: @escaping @Sendable () -> Void,
    _ operation: () async throws -> Value
  ) async throws -> Value {
    let handler = CloseHandler(onClose: onClose)
    do {
      try await channel.pipeline.addHandler(handler, position: .first).get()
    } catch {
      onClose()  // already closed
    }
    if !channel.isActive { onClose() }
    defer { channel.pipeline.removeHandler(handler, promise: nil) }
    return try await operation()
  }

  private final class CloseHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let onClose: @Sendable () -> Void

    init(onClose: @escaping @Sendable () -> Void) {
      self.onClose = onClose
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
      // The client closed its side (the server keeps half-closed connections).
      if let event = event as? ChannelEvent, event == .inputClosed { onClose() }
      context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
      onClose()
      context.fireChannelInactive()
    }
  }
}
