/// `GET /v1/models`: the one model served here.
struct ModelList: Encodable {
  var object = "list"
  var data: [Model]

  struct Model: Encodable {
    var id: String
    var object = "model"
    var created: Int
    var ownedBy = "aistick"

    enum CodingKeys: String, CodingKey {
      case id, object, created
      case ownedBy = "owned_by"
    }
  }
}
