import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class LoginDto {
  @ApiPropertyOptional({
    description: 'The admin key (the form most bots send).',
    example: 'your-admin-key',
  })
  @IsOptional()
  @MaxLength(512)
  @IsString()
  apiKey?: string;

  @ApiPropertyOptional({
    description: 'The admin key (the older form, also accepted).',
    example: 'your-admin-key',
  })
  @IsOptional()
  @MaxLength(512)
  @IsString()
  key?: string;
}

export class LoginResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' })
  token!: string;

  @ApiProperty({ example: 'Authentication successful' })
  message!: string;

  @ApiProperty({ example: '24h' })
  expiresIn!: string;

  @ApiProperty({ example: 'Admin', description: 'The name of the admin the key belongs to.' })
  name!: string;
}

export class TokenClaimsDto {
  @ApiProperty({ example: 'admin' })
  role!: string;

  @ApiProperty({ example: 'Admin' })
  name!: string;

  @ApiProperty({
    example: 1764230000000,
    description: 'When the token was issued (ms since epoch).',
  })
  timestamp!: number;

  @ApiProperty({ example: 1764230000 })
  iat!: number;

  @ApiProperty({ example: 1764316400 })
  exp!: number;
}

export class VerifyResponseDto {
  @ApiProperty({ example: true })
  valid!: boolean;

  @ApiProperty({ type: TokenClaimsDto })
  user!: TokenClaimsDto;
}
