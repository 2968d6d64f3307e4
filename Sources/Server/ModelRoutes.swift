import Hummingbird
import Stick

extension APIRoutes {
  var modelEntry: ModelList.Model { .init(id: engine.modelName, created: started) }

  /// `GET /v1/models`
  func models(_ request: Request, context: ServerContext) -> Response {
    Self.json(ModelList(data: [modelEntry]))
  }

  /// `GET /v1/models/{id}`
  func model(_ request: Request, context: ServerContext) throws -> Response {
    let name = context.parameters.get("id") ?? ""
    try checkModel(name.isEmpty ? "-" : name)
    return Self.json(modelEntry)
  }

  /// `GET /health`: open without a key, for monitoring.
  func health(_ request: Request, context: ServerContext) -> Response {
    let load = queue.load
    return Self.json(
      Health(model: engine.modelName, answering: load.answering, waiting: load.waiting))
  }
}

/// What `/health` says.
struct Health: Encodable {
  var status = "ok"
  var model: String
  var answering: Bool
  var waiting: Int
}
