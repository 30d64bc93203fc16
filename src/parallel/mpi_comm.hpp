// MPI's communicator behind a Comm, for the one library that needs it as such: parallel HDF5 (store's matrix
// writer). Everything else asks Comm for named operations and never includes <mpi.h>.
#pragma once
#include <mpi.h>

#include "parallel/comm.hpp"

namespace precis {

// MPI_COMM_NULL for a process without MPI.
MPI_Comm mpi_comm(const Comm& comm);

}  // namespace precis
