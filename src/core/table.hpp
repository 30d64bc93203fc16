// Delimited text tables (TSV/CSV) as precis reads and writes them.
// Reading: header row, tab or comma (chosen from the header line), optional UTF-8 BOM, LF or CRLF, double-quoted
// fields; every row remembers its line number so that errors can point at it.
// Writing: always through AtomicFile, so a file under its final name is complete.
#pragma once
#include <cstdio>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

namespace precis {

struct TableRow {
    long line = 0;
    std::vector<std::string> fields;
};

struct Table {
    std::string path;
    std::vector<std::string> header;
    std::vector<TableRow> rows;
    std::unordered_map<std::string, int> index;  // header name -> column, as read_table fills it (else searched)
    // index of a header column, or -1
    int column(const std::string& name) const;
    // index of a column that must exist; throws a MalformedInput error naming the file and the columns it has
    int require_column(const std::string& name, const std::string& what_for) const;
};

// Split one line into fields with the given delimiter, honouring double quotes ("" inside quotes is a quote).
// Throws std::invalid_argument on an unterminated quote.
std::vector<std::string> split_fields(const std::string& line, char delim);
// The same into `out` (resized to the number of fields), reusing its strings' storage: a reader of many rows
// allocates nothing per row once the first rows have sized them.
void split_fields_into(std::string_view line, char delim, std::vector<std::string>& out);
// The same for line `lineno` of file `path`: an unterminated quote is a MalformedInput error naming them.
std::vector<std::string> split_fields_at(const std::string& line, char delim, const std::string& path, long lineno);

// Read a whole table. Throws MalformedInput (file, line) on ragged rows or unterminated quotes, IO if unreadable.
Table read_table(const std::string& path);

// Reads a text file one line at a time through a large buffer, for files too big to hold as strings (a MaxQuant
// table of 50,000 samples is 1.5 GB). Each line comes without its '\n' and '\r'; a UTF-8 BOM on line 1 is dropped.
// A line is valid until the next call.
class LineReader {
public:
    explicit LineReader(const std::string& path);  // throws IO naming the file
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;
    bool next(std::string_view& line);  // false at the end; throws IO on a read error
    long line_number() const { return line_; }  // of the line last returned, from 1

private:
    std::string path_;
    FILE* f_ = nullptr;
    std::vector<char> buf_;
    size_t beg_ = 0, end_ = 0, scanned_ = 0;
    long line_ = 0;
    bool eof_ = false;
};

// A table read one row at a time, by the rules and with the errors of read_table (which reads through it). The
// row's fields are reused from row to row, so reading allocates nothing per row: a worker reads a table per sample,
// and a string per field would leave its heap in fragments that slow every later allocation.
class TableReader {
public:
    explicit TableReader(const std::string& path);  // reads up to and with the header
    const Table& head() const { return head_; }      // path, header and index (no rows): column, require_column
    bool next();                                      // the next non-empty row; false at the end
    const std::vector<std::string>& fields() const { return fields_; }
    long line() const { return in_.line_number(); }  // of the current row

private:
    bool next_line(std::string_view& line);  // a line, checked for a lone carriage return
    Table head_;
    LineReader in_;
    char delim_ = '\t';
    std::vector<std::string> fields_;
};

// Writes to PATH.tmp-<pid> and renames onto PATH in commit(); if never committed, the temporary is removed.
class AtomicFile {
public:
    explicit AtomicFile(std::string path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    FILE* get() { return f_; }
    void write(const std::string& s);
    void commit();  // flush, fsync, close, rename; throws IO error (e.g. disk full) naming the file

private:
    std::string path_, tmp_;
    FILE* f_ = nullptr;
};

// Number formatting used in every text output: 6 significant digits, "NA" for NaN, "Inf"/"-Inf".
std::string fmt(double x);
std::string fmt(double x, int digits);
// fmt(x, digits) appended to `out`, without a string of its own (tables of many rows)
void append_fmt(std::string& out, double x, int digits = 6);
// The items with `sep` between them ("a, b, c").
std::string join(const std::vector<std::string>& items, const char* sep = ", ");

// What is wrong with a name from an input (a sample id, a phenotype value) that outputs carry: "" if nothing,
// else "is not valid UTF-8", "contains a control character" or "is N bytes long (at most MAX)".
std::string text_problem(std::string_view s, size_t max_bytes);

// Write a whole text file atomically.
void write_file_atomic(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

}  // namespace precis
