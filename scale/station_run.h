/* station_run: `cleanplate-scale station`: the scale, the card reader, the store and the screen (or headless output) in one loop. */
#ifndef CP_SCALE_STATION_RUN_H
#define CP_SCALE_STATION_RUN_H

/* Runs the station with the options after "station" (argv[0] is the first
 * option). Returns the exit status. */
int station_run_main(int argc, char **argv);

#endif
