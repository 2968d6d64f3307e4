/// Who speaks in a turn of a conversation.
public enum ChatRole: String, Sendable, Equatable {
  case system
  case user
  case assistant
}

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
  public var role: ChatRole
  public var content: String

  public init(role: ChatRole, content: String) {
    self.role = role
    self.content = content
  }

  public static func system(_ content: String) -> ChatMessage {
    .init(role: .system, content: content)
  }
  public static func user(_ content: String) -> ChatMessage { .init(role: .user, content: content) }
  public static func assistant(_ content: String) -> ChatMessage {
    .init(role: .assistant, content: content)
  }
}
