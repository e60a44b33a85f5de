package report

// DOCXTextWidth is the .docx's text block width in twips, for the tests.
const DOCXTextWidth = docxTextW
