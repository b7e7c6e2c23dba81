package normalize

// nicknames maps a nickname, diminutive or short form (normalised by Name)
// to the given name it usually stands for. Sources: common usage lists such
// as https://en.wikipedia.org/wiki/Hypocorism and the per-language
// articles it links to (Spanish, Portuguese, German and French
// hypocorisms). Where a nickname serves several names the most frequent
// is chosen; the comparator treats an alias match as weaker evidence than
// an exact one, and its weight is learnt from the data. The table is
// data/nicknames.txt.
var nicknames = aliasTable("nicknames.txt")
