import { ApiProperty } from '@nestjs/swagger';

/** The one error shape every endpoint answers with. */
export class ErrorResponseDto {
  @ApiProperty({ example: 'playerCount must be an integer number' })
  error!: string;
}
