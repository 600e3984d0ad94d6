package dev.tandem.sync.mapping;

/**
 * One reason a mapping cannot run, located in the mapping file.
 *
 * @param file    mapping file
 * @param line    line in it (0 when unknown)
 * @param table   the table concerned
 * @param column  the column concerned, or null
 * @param problem what is wrong
 * @param fix     what to do about it
 */
public record MappingProblem(String file, int line, String table, String column, String problem, String fix) {

    @Override
    public String toString() {
        return file + ":" + line + ": " + table + (column == null ? "" : "." + column) + ": " + problem + "; " + fix;
    }
}
