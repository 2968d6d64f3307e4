/// Which files on the drive (or in the watched folder) are the person's questions.
public enum PromptFileFilter {
  /// The stick's own files at the root; the person reads or edits them, they are never answered.
  public static let ownFiles: Set<String> = ["README.TXT", "STATUS.TXT", SettingsFile.fileName]
  /// The folder at the root that holds models.
  public static let modelsFolder = "MODELS"
  /// Folders that operating systems make on a drive (hidden ones are left out anyway).
  private static let systemFolders: Set<String> = [
    "SYSTEM VOLUME INFORMATION", "$RECYCLE.BIN", "RECYCLER",
  ]

  /// Whether the file at `path`, relative to the root ("/" or "\" between names, a leading
  /// "/" or "./" allowed), is a prompt file: its name ends in `.txt` in any case, and it is not
  /// - hidden, or in a hidden folder (a name starting with "."; this covers macOS' "._" files,
  ///   .Trashes, .Spotlight-V100, .fseventsd),
  /// - in a system folder (System Volume Information, $RECYCLE.BIN),
  /// - an editor's lock or backup file ("~$" at the start; ".swp", ".tmp" or "~" at the end),
  /// - README.TXT, STATUS.TXT or SETTINGS.TXT at the root, or anything in the MODELS folder.
  public static func isPromptFile(_ path: String) -> Bool {
    let names = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).filter { $0 != "." }
    guard let fileName = names.last else { return false }
    for name in names {
      if name.hasPrefix(".") || systemFolders.contains(name.uppercased()) { return false }
    }
    if names.count > 1, names[0].uppercased() == modelsFolder { return false }
    let upper = fileName.uppercased()
    if names.count == 1, ownFiles.contains(upper) { return false }
    if upper.hasPrefix("~$") || upper.hasSuffix("~") { return false }
    if upper.hasSuffix(".SWP") || upper.hasSuffix(".TMP") { return false }
    return upper.hasSuffix(".TXT") && upper.count > 4
  }
}
